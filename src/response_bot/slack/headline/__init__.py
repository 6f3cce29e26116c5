"""The headline post in the incidents channel: publishing it, and its buttons (Edit, Close, Create
channel)."""
