"""Data: the shared catalogs (TOML), a package so that installs ship them."""
