"""Services behind the actions: office information, dossier status, feedback, handoff."""
