"""Declaring an incident: `/incident`, the declare modal and its submission, the reporter's confirmation."""
