"""Reading SECAS's published reports (the Change Status Report and its forerunners, as PDF or text)
into the register's import format: ``secbot ingest REPORT [--output FILE.yaml] [--apply]``."""
