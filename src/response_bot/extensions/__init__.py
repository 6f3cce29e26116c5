"""The building blocks: decorators that mark functions, and the registry the app is built from."""
