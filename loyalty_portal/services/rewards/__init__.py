"""Rewards: offers and shops, coupon codes, eligibility, redeeming, the coupons' lifecycle
and manual fulfilment."""
