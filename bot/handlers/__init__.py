"""The bot's handlers, one module per feature; each adds its own to the Application."""
