"""Framework-free logic shared by the bot, the actions and the Rasa-side components."""
