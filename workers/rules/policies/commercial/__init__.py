"""Data: one TOML file per commercial carrier, a package so that installs ship them."""
