"""Data: one TOML file per payer policy, a package so that installs ship them."""
