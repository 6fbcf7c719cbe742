"""What everything stands on: settings, the database, errors, the audit chain, YAML
loading, people and sign-in."""
