"""Open311 GeoReport v2 (`/open311/v2/…`, discovery at `/open311/discovery.json`): the public
categories of cases as services, their public list and one case, and filing a case with an API
key. See warga/reports/README.md ("Open311")."""
