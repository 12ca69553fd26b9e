"""The training engine shared by every study: scratch, fine-tune and frozen transfer."""
