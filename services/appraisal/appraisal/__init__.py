"""Appraisal: the performance-appraisal view of teams and institutions, built from the streams."""
