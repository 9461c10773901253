"""Developer tooling kept out of the wheel: the documentation generator."""
