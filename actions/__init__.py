"""Rasa action server: thin actions over the shared package; rasa-sdk imports every module here."""
