from django.core.management.base import BaseCommand

from community.markup import render_markdown
from forum.models import Comment


class Command(BaseCommand):
    help = "Render every comment's Markdown again (after a change of the sanitiser's allowlist)."

    def handle(self, *args, **options):
        done = 0
        for c in Comment.objects.only("pk", "body").iterator(chunk_size=2000):
            Comment.objects.filter(pk=c.pk).update(body_html=str(render_markdown(c.body)))
            done += 1
        self.stdout.write(f"re-rendered {done} comments")
