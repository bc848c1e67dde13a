"""Health records: Residents' health records, management plans, visits and feedback."""
