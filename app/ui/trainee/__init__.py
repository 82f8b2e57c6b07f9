"""What a trainee uses: catalog, course view, lesson reader, practical, progress, and the step-view registry."""
