import inngest

client = inngest.Inngest(app_id="registry-fixture")
