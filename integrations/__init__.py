"""One module per autologged library, all the same shape: what it patches, what it logs."""
