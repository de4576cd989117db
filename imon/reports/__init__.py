"""The Umsetzungsbericht: frozen snapshots, the report model and its renderers (DOCX, PDF, PPTX, HTML)."""
