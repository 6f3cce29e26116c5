"""First-party integrations (PagerDuty, …), written with the building blocks and shipped in the
package. Each is off until its credential is set, in the environment or in the vault; the
composition root (`main.py`) configures the ones that are."""
