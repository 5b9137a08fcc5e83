from equipoise.flows.cli import main

main()
