"""The commands every install has, written with the same building blocks plugins use."""
