"""Pages of the shared kernel, one module per area."""
