"""Fulfilment's domain: what carriers report, carrier updates applied once, carrier adapters, the simulator."""
