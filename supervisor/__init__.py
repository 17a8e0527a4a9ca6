"""Process control for running the assistant: one supervisor, the stacks it starts, nginx, the model server."""
