import CustodyCLI
@main struct Main { static func main() {} }
