"""The Textual terminal app. It calls store services in thread workers and
never runs a query itself."""
