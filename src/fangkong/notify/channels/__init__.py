"""Notification channels, one module per channel, all on `fangkong.notify.base.Channel`."""
