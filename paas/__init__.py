"""The platform: domain model, settings, event-sourced store, RBAC, backend ports and backends."""
