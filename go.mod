module tsunagu

go 1.26
