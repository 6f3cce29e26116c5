"""App Home: the open incidents a person may see, and the Declare button."""
