"""Storage plumbing shared by the domain packages: base class, engine, migrations."""
