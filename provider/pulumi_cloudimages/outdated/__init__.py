"""Which deployed images are outdated, withdrawn, gone or revoked: state files read (`states.py`: Pulumi
exports, Terraform states, `terraform show -json`), their image IDs settled through the core's lookups and
guards, the report (`report.py`). Over the core only: no Pulumi SDK."""
