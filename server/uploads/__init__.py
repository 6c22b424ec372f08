"""Photos residents and party members upload: checked by content, stripped of location,
stored, sent to WeChat's image check (through server/core/moderation.py), hidden when the verdict is
risky or review. Nothing here knows wishes: server/wishes/photos.py attaches photos to wishes
and decides who may see one, and server/wishes/operations.py what a verdict does to a wish."""
