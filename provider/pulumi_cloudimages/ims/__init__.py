"""The service: the Image Management Service's `GET /v2/cloudimages` as a typed Python client. The filters
(`ImageQuery`), the response model (`Image`), settings (where and who), signing, project discovery, paging,
retries and reading responses. Knows nothing of choosing, Pulumi, a terminal or state files."""
