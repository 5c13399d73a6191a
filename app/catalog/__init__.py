"""The catalog's domain rules: who may order what, company settings, carrier webhook secrets."""
