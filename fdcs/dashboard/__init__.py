"""The officials' and insurance bureau's dashboard: appraisal and settlement at a glance."""
