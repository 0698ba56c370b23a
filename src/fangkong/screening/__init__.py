"""Area-wide nucleic-acid screening (区域核酸筛查): pooled sampling rounds, tube results and rechecks."""
