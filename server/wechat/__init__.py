"""WeChat server APIs: the HTTP client and the local development fake."""
