"""Test-only helpers for the Lambda handlers: local servers, handler loading, fake contexts."""
