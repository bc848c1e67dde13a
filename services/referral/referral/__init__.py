"""Referral: Up- and down-referrals between family doctors and hospitals."""
