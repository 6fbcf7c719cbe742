"""Periodic reports: figures from the database, their wording, then the layout as
DOCX, PDF and XLSX."""
