// yarn 4.1.1
