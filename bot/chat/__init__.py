"""What every chat channel does: units, subscriptions, uploads, the broadcast outbox."""
