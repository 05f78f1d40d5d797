"""Motion: the 2D skeleton every motion source speaks, and the dance metrics."""
