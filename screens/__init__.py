"""The Textual UI of ft-workbench. Calls workbench/, never SQL or providers directly."""
