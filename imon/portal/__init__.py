"""The public Integrationsportal: what the city publishes about its integration concept."""
