"""Billing: Contract fees split between payers, settled per period."""
