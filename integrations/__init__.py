"""Front ends and outside systems, and the composition root that wires settings into objects."""
