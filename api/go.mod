module example.com/webstack/api

go 1.26
