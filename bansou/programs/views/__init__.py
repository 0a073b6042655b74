"""Views of the programs app: thin layers that parse, call a service or selector, render."""
