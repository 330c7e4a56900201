import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The bundle is committed into the Python package so that installing autotrack needs no Node.js.
// `base: "./"` keeps asset URLs relative: the server serves index.html at `/` and assets at `/assets/`.
export default defineConfig({
  plugins: [react()],
  base: "./",
  build: {
    outDir: "../autotrack/ui/static",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:5000", "/ajax-api": "http://127.0.0.1:5000" },
  },
});
