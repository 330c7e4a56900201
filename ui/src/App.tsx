import { useState } from "react";
import { Link, Route, Router, Switch } from "wouter";
import { useHashLocation } from "wouter/use-hash-location";
import { Empty } from "./components/common";
import { applyTheme, initialTheme, type Theme } from "./theme";
import { ChartsPage } from "./pages/ChartsPage";
import { ComparePage } from "./pages/ComparePage";
import { ExperimentsPage } from "./pages/ExperimentsPage";
import { ModelPage } from "./pages/ModelPage";
import { ModelsPage } from "./pages/ModelsPage";
import { RunPage } from "./pages/RunPage";
import { RunsPage } from "./pages/RunsPage";
import { SweepPage } from "./pages/SweepPage";

// Routes (in the URL's hash; each view's settings are in the query string, see url.ts):
//   /                         experiments
//   /experiments/:ids         runs table of one or several experiments (ids joined by ",")
//   /runs/:runId              one run
//   /sweeps/:runId            a sweep's parent run: trials, parallel coordinates, importance
//   /compare?runs=a,b,c       2-20 runs side by side
//   /charts?runs=a,b&metrics=m metric charts of any runs (live while one is RUNNING)
//   /models, /models/:name    the model registry
export function App() {
  const [theme, setTheme] = useState<Theme>(() => {
    const value = initialTheme();
    applyTheme(value);
    return value;
  });
  const toggle = () => {
    const next = theme === "dark" ? "light" : "dark";
    applyTheme(next);
    setTheme(next);
  };
  return (
    <Router hook={useHashLocation}>
      <header className="topbar">
        <Link href="/" className="brand">autotrack</Link>
        <nav>
          <Link href="/" className={(active) => (active ? "active" : "")}>Experiments</Link>
          <Link href="/models" className={(active) => (active ? "active" : "")}>Models</Link>
        </nav>
        <button className="theme-toggle" onClick={toggle} title="Switch between light and dark"
          aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}>
          {theme === "dark" ? "☀" : "☾"}
        </button>
      </header>
      <main>
        <Switch>
          <Route path="/" component={ExperimentsPage} />
          <Route path="/experiments/:ids">{(params) => <RunsPage experimentIds={params.ids.split(",")} />}</Route>
          <Route path="/runs/:runId">{(params) => <RunPage runId={params.runId} />}</Route>
          <Route path="/sweeps/:runId">{(params) => <SweepPage runId={params.runId} />}</Route>
          <Route path="/compare" component={ComparePage} />
          <Route path="/charts" component={ChartsPage} />
          <Route path="/models" component={ModelsPage} />
          <Route path="/models/:name">{(params) => <ModelPage name={decodeURIComponent(params.name)} />}</Route>
          <Route>
            <Empty title="No such page">
              The address does not name a page of autotrack's UI. <Link href="/">Go to the experiments</Link>.
            </Empty>
          </Route>
        </Switch>
      </main>
    </Router>
  );
}
